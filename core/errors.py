"""Errors the domains raise for the web layer to answer: a refused workflow step (409), invalid input (422)."""


class WorkflowError(Exception):
    """A step the workflow does not allow from the record's current state (HTTP 409 in the API)."""


class Invalid(Exception):
    """Input that cannot be accepted; fields maps each bad field to a message (HTTP 422 in the API)."""

    def __init__(self, fields, message="Some fields are not valid."):
        super().__init__(message)
        self.fields = fields
        self.message = message
