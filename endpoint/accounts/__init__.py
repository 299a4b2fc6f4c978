"""The pages of people: sign-in, account, claims, suggestions and the moderators' queue."""
