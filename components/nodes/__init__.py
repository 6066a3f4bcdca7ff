"""The cluster's compute: settings (`compute.*`: managed node groups or EKS Auto Mode) and the
NodeGroup component (a hardened launch template and a managed node group)."""
