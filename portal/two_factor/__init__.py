"""Two-factor sign-in: a TOTP authenticator app (django-otp) and single-use backup codes.

Reviewers, senior reviewers and platform admins (``portal.roles``), and anyone with Django's
``is_staff``, must set up an authenticator before any page but the setup and signing out works,
and enter a code after their password before any other page works (``middleware``), while
``PORTAL_REQUIRE_2FA_FOR_STAFF`` is on. Anyone else may turn it on from the account page; from
then on their sign-in asks for a code too. A session that passed the code is *verified*
(django-otp keeps the device in the session). The partner API answers an unverified staff session
403 ``two_factor_required`` (``api.authentication``); API keys are a factor of their own and
unaffected. ``devices`` holds the verbs, each audited.
"""
