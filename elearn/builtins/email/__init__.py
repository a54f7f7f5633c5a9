"""The built-in e-mail channel.

Sending uses Flask-Mailman (a maintained port of Django's e-mail package): it builds correct
multipart/alternative messages with RFC 2047-encoded headers (Vietnamese subjects and names),
speaks SMTP with STARTTLS or SSL and takes its settings from Flask config, so the SMTP details
are ELEARN_MAIL_SERVER / _PORT / _USE_TLS / _USE_SSL / _USERNAME / _PASSWORD /
_DEFAULT_SENDER (never in the repository).

Each message has a text and an HTML part (Jinja templates, in the person's language), a
Message-ID derived from the outbox key (a receiving server that sees the same message twice
can tell), and RFC 8058 one-click unsubscribe headers to the signed link.
"""
from __future__ import annotations

import hashlib
import smtplib
from email.utils import formataddr
from urllib.parse import urlsplit

from flask import Blueprint, current_app
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives, Mail

from ...api import (
    DeliveryFailed, DeliveryRefused, NotificationChannel, OutgoingMessage, hookimpl,
    lazy_gettext as _l,
)

templates = Blueprint("email_templates", __name__, template_folder="templates")
mail = Mail()


class EmailChannel(NotificationChannel):
    name = "email"
    label = _l("By e-mail")
    opt_in = True

    def deliver(self, message: OutgoingMessage) -> None:
        if not message.email:
            raise DeliveryRefused("the person has no e-mail address")
        email = build(message)
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            error = f"recipient refused: {exc.recipients}"
            raise (DeliveryFailed(error) if all(400 <= code < 500 for code in codes)
                   else DeliveryRefused(error)) from exc
        except smtplib.SMTPResponseException as exc:
            error = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            raise (DeliveryFailed(error) if 400 <= exc.smtp_code < 500
                   else DeliveryRefused(error)) from exc
        except (smtplib.SMTPException, OSError) as exc:   # down, refused, timed out
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


def build(message: OutgoingMessage) -> EmailMultiAlternatives:
    """The e-mail for one message (not sent)."""
    config = current_app.config
    # The templates are rendered directly, not with render_template: a queue worker has no
    # request, and the site's context processors (menu, header counts) need one.
    environment = current_app.jinja_env
    with force_locale(message.language):
        text = environment.get_template("email/notification.txt").render(message=message)
        html = environment.get_template("email/notification.html").render(message=message)
    domain = urlsplit(message.link).hostname or "localhost"
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:32]
    email = EmailMultiAlternatives(
        subject=message.subject, body=text, from_email=config["MAIL_DEFAULT_SENDER"],
        to=[formataddr((message.recipient_name, message.email))],
        headers={"Message-ID": f"<{digest}@{domain}>",
                 "List-Unsubscribe": f"<{message.unsubscribe_url}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                 "Auto-Submitted": "auto-generated"},
        connection=mail.get_connection(fail_silently=False))
    email.attach_alternative(html, "text/html")
    return email


@hookimpl
def register_notification_channels():
    return [EmailChannel()]


@hookimpl
def register_blueprints(app):
    return [templates]


@hookimpl
def startup(app):
    mail.init_app(app)
