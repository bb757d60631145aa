"""factory_boy factories: rows built straight into the database, for arranging tests.

Writes under test go through the services; factories only set the stage.
"""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from apps.partners.choices import MemberRole, PartnerKind
from apps.partners.demo import demo_lei, demo_tax_number
from apps.partners.models import Membership, Partner, PartnerKindLink


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or "pw-for-tests")
        if create:
            self.save(update_fields=["password"])


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"partner-{n}")
    name = factory.LazyAttribute(lambda p: p.slug.replace("-", " ").title())
    country = "TW"
    lei = factory.LazyAttribute(lambda p: demo_lei(p.slug))
    tax_number = factory.LazyAttribute(
        lambda p: demo_tax_number(p.slug, p.country) if p.country in {"TW", "KR", "US"} else ""
    )

    @factory.post_generation
    def kinds(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        kinds = extracted or [PartnerKind.SHIPPER]
        for kind in kinds:
            PartnerKindLink.objects.get_or_create(partner=self, kind=kind)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = MemberRole.VIEWER
