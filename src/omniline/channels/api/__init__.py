"""The `api` channel: the company's own app posts signed JSON, replies go to its webhook."""
