"""Render, plan and deploy the accept-terms post-login Action to Auth0 tenants."""

__version__ = "0.1.0"
