"""The Service API contract's server side, shared by the reference service and the gateway: request and
response values, problem documents, request validation, bearer authorisation, the HTTP server plumbing.
It imports only console.domain and the stdlib, so both servers may use it without depending on each other."""
