from apps.partners.api.views import ApiTokenViewSet, MembershipViewSet, PartnerViewSet

routes = [
    ("partners", PartnerViewSet, "partner"),
    ("memberships", MembershipViewSet, "membership"),
    ("api-tokens", ApiTokenViewSet, "api-token"),
]
