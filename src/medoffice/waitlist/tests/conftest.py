from medoffice.messaging.tests.conftest import clinic, sms_dir  # noqa: F401
