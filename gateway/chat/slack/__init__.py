"""The Slack app: ``/ticket`` and the message shortcut open the form, the ticket card's
buttons work the ticket, and a member's thread reply reaches the requester on purpose."""
