"""AWS's refusals, each as one line of the verdict's "could not check": access denied (and which
call), throttled after every attempt botocore's retry mode made, credentials missing or refused,
anything else with AWS's own code and message."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from botocore.retries.standard import ThrottledRetryableChecker

# botocore's own list of the error codes that mean throttling (its standard retry mode retries
# them with backoff; one reaching us has used every attempt).
THROTTLED = frozenset(ThrottledRetryableChecker._THROTTLED_ERROR_CODES)
DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
BAD_CREDENTIALS = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "AuthFailure"}
    | {"UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidSignatureException"}
)


def reason(call: str, error: Exception) -> str:
    """One line saying why `call` could not be answered."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        if code in DENIED:
            return f"{call}: access denied ({code}): the caller needs it (docs/online.md)"
        if code in THROTTLED:
            attempts = error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
            return f"{call}: throttled ({code}) after {attempts} attempt(s) with backoff"
        if code in BAD_CREDENTIALS:
            return f"{call}: AWS refused the credentials ({code}: {message})"
        return f"{call}: {code}: {message}"
    if isinstance(error, NoCredentialsError):
        return "no AWS credentials (aws configure sso / aws sso login, or AWS_PROFILE)"
    if isinstance(error, BotoCoreError):
        return f"{call}: {error}"
    return f"{call}: {type(error).__name__}: {error}"


def code_of(error: Exception) -> str:
    return error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
