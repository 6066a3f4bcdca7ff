"""In-cluster controllers through the Kubernetes API (opt-in): settings (`controllers.*`), their
IAM documents and Kubernetes specs, and the Controllers component."""
