"""The release process. Present so the project's shape is settled; its models arrive with its issue."""
