"""Webhooks: partners' systems told of alerts and new consignment events, as Standard Webhooks messages.

One unit, in the manner of an integration: ``signing`` (the Standard Webhooks signature, pure),
``targets`` (which URLs may receive: https in production, public addresses only), ``transport`` (one
HTTP attempt to a checked address), ``services`` (endpoints, secrets, and the deliveries recorded for
each change), ``delivery`` (attempts under a claim, backoff, the sweep), ``selectors``, ``serializers``
and ``views`` (``/api/v1/webhooks/``). The models are in ``apps.disruptions.models``, the tasks in
``apps.disruptions.tasks``.
"""
