"""Routing: tasks (conversations and callbacks offered to agents), queues, policy and SLA clocks."""
