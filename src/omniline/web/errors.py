"""Every error leaves as JSON `{"error": {"code", "message"}}` with a 4xx for anything a client sent."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from omniline.kernel.errors import OmnilineError

log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OmnilineError)
    async def _omniline_error(_request: Request, error: OmnilineError) -> JSONResponse:
        return error_response(error.status_code, error.code, error.message)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(part) for part in item["loc"]), "problem": item["msg"]}
            for item in error.errors()
        ]
        if any(item["type"] == "json_invalid" for item in error.errors()):
            return error_response(400, "malformed_json", "the request body is not valid JSON")
        summary = "; ".join(f"{item['field']}: {item['problem']}" for item in problems)
        return error_response(422, "invalid_input", summary, problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}
        return error_response(
            error.status_code, codes.get(error.status_code, "http_error"), str(error.detail)
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=error)
        return error_response(500, "internal_error", "something went wrong on our side; it has been logged")
