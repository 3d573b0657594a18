"""Chat: the Slack door (intake, ticket cards, buttons), and ticket news to Slack and Teams."""
