"""EKS managed add-ons: settings (`addons.*`), the catalog of what is installed when, their IAM
roles, the one add-on builder, and the Addons component (the add-ons that need nodes)."""
