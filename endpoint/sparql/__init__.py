"""The SPARQL 1.1 Protocol and Graph Store Protocol, the query editor, service description, VoID."""
