"""HTTP layer: thin routes that parse, call the service and answer a response model."""
