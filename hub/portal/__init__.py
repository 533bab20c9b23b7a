"""The web portal: server-rendered pages in French (English available), a GraphQL client."""
