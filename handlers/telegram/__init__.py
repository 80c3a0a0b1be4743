"""The Telegram channel (aiogram 3): debtors and staff in chat."""
