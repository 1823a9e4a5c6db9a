"""The things everyone logs: people, vehicles, premises, intelligence and the links between them."""
