"""Strategic-interaction models: how actors bargain, threaten and settle."""
