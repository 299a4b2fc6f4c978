"""Mail to people: sign-in links, answers to claims and proposals. Through the SMTP
server of ``KG_SMTP_*`` (STARTTLS when it offers it, a login when a user is set);
without ``KG_SMTP_HOST`` the mail is written to the server's log instead, the
development default. Blocking: call it from a thread."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from kg.errors import StoreError
from kg.settings import Settings

log = logging.getLogger("kg.mail")


def send(settings: Settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if not settings.smtp_host:
        # uvicorn shows warnings of every logger: the link reaches the developer's terminal
        log.warning("no KG_SMTP_HOST: mail to %s not sent; it says:\n%s\n%s", to, subject, body)
        return
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as err:
        raise StoreError(f"the mail to {to} could not be sent: {err}") from err
