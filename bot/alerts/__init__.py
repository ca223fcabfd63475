"""Alerts to staff: delivered from the database by ``AlertDispatcher`` on Telegram
(the staff member's own chat with the bot) and email; the console shows them too."""

from bot.alerts.channels import AlertSender, EmailAlerts, TelegramAlerts
from bot.alerts.dispatcher import AlertDispatcher

__all__ = ["AlertDispatcher", "AlertSender", "EmailAlerts", "TelegramAlerts"]
