"""sanctions-bot: watches sanctions and resolutions and pushes explained alerts to Telegram."""

__version__ = "0.1.0"
