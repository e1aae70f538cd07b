"""Every error leaves as JSON `{"error": {"code", "message"}}` with a 4xx for anything a client sent."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from omniline.kernel.errors import OmnilineError, TooManyAttempts
from omniline.web.page_errors import is_page_path, page_error_response

log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status)


def api_error_response(error: OmnilineError) -> JSONResponse:
    """A domain error as the API answers it."""
    response = error_response(error.status_code, error.code, error.message)
    if isinstance(error, TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


def unexpected_error_response(error: Exception) -> JSONResponse:
    """A bug: logged with its traceback, answered without one."""
    log.exception("unhandled error", exc_info=error)
    return error_response(500, "internal_error", "something went wrong on our side; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OmnilineError)
    async def _omniline_error(request: Request, error: OmnilineError) -> Response:
        if is_page_path(request.url.path):
            return page_error_response(request, error.status_code, error)
        return api_error_response(error)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError) -> Response:
        if is_page_path(request.url.path):
            return page_error_response(request, 422, None)
        problems = [
            {"field": ".".join(str(part) for part in item["loc"]), "problem": item["msg"]}
            for item in error.errors()
        ]
        if any(item["type"] == "json_invalid" for item in error.errors()):
            return error_response(400, "malformed_json", "the request body is not valid JSON")
        summary = "; ".join(f"{item['field']}: {item['problem']}" for item in problems)
        return error_response(422, "invalid_input", summary, problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
        if is_page_path(request.url.path):
            return page_error_response(request, error.status_code, None)
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}
        return error_response(
            error.status_code, codes.get(error.status_code, "http_error"), str(error.detail)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        if is_page_path(request.url.path):
            log.exception("unhandled error", exc_info=error)
            return page_error_response(request, 500, None)
        return unexpected_error_response(error)
