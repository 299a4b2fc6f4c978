"""What every route shares: content negotiation, parameters, CORS, auth, languages, static files."""
