"""ServingCheck: call the candidate model's serving signature on raw eval examples before the Pusher."""
