"""The web door and the team's pages: intake forms, the whiteboard, ticket pages."""
