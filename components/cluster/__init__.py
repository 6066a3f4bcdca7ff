"""The EKS control plane: settings (`cluster.*`, `kubernetesVersion`), Kubernetes version
rules, IAM documents, the kubeconfig, and the Cluster component."""
