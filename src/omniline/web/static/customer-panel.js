// the customer panel: written by the customers helper
