"""Generate the Glance Helm chart from the Glance resource schema."""
