//! The Interactions API's own error codes (service-2026-12.md §3): each with its documented
//! HTTP status, the RPC status generateContent uses for the same refusal, and whether the
//! service gives it at the door (before any work starts) or while a run is under way.

/// One of the Interactions API's string error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiCode {
    /// 400: fix the request.
    InvalidRequest,
    /// 400: e.g. billing disabled.
    FailedPrecondition,
    /// 400: remove the unknown parameter.
    ParameterUnknown,
    /// 416: check limits.
    OutOfRange,
    /// 401: key missing, invalid or expired.
    Authentication,
    /// 402: prepaid credits exhausted.
    PaymentRequired,
    /// 403.
    PermissionDenied,
    /// 404: the resource (an interaction) does not exist.
    NotFound,
    /// 404: the model does not exist (or is no longer served).
    ModelNotFound,
    /// 409.
    AlreadyExists,
    /// 409: retry at a higher level.
    Aborted,
    /// 429: per-minute or per-second limit.
    RateLimitExceeded,
    /// 429: back off and retry.
    TooManyRequests,
    /// 429: the daily quota is spent.
    QuotaExceeded,
    /// 499: the client went away.
    Cancelled,
    /// 500: retry.
    ApiError,
    /// 501: feature not supported.
    Unimplemented,
    /// 503: back off and retry.
    ServiceUnavailable,
    /// 504: raise the client deadline.
    DeadlineExceeded,
}

/// Every code, in the research table's order.
pub const ALL_CODES: [ApiCode; 19] = [
    ApiCode::InvalidRequest,
    ApiCode::FailedPrecondition,
    ApiCode::ParameterUnknown,
    ApiCode::OutOfRange,
    ApiCode::Authentication,
    ApiCode::PaymentRequired,
    ApiCode::PermissionDenied,
    ApiCode::NotFound,
    ApiCode::ModelNotFound,
    ApiCode::AlreadyExists,
    ApiCode::Aborted,
    ApiCode::RateLimitExceeded,
    ApiCode::TooManyRequests,
    ApiCode::QuotaExceeded,
    ApiCode::Cancelled,
    ApiCode::ApiError,
    ApiCode::Unimplemented,
    ApiCode::ServiceUnavailable,
    ApiCode::DeadlineExceeded,
];

impl ApiCode {
    /// The code as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::FailedPrecondition => "failed_precondition",
            Self::ParameterUnknown => "parameter_unknown",
            Self::OutOfRange => "out_of_range",
            Self::Authentication => "authentication",
            Self::PaymentRequired => "payment_required",
            Self::PermissionDenied => "permission_denied",
            Self::NotFound => "not_found",
            Self::ModelNotFound => "model_not_found",
            Self::AlreadyExists => "already_exists",
            Self::Aborted => "aborted",
            Self::RateLimitExceeded => "rate_limit_exceeded",
            Self::TooManyRequests => "too_many_requests",
            Self::QuotaExceeded => "quota_exceeded",
            Self::Cancelled => "cancelled",
            Self::ApiError => "api_error",
            Self::Unimplemented => "unimplemented",
            Self::ServiceUnavailable => "service_unavailable",
            Self::DeadlineExceeded => "deadline_exceeded",
        }
    }

    /// The code named `name`, if it is one.
    pub fn parse(name: &str) -> Option<Self> {
        ALL_CODES
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(name))
    }

    /// The HTTP status the documentation gives this code.
    pub fn http(self) -> u16 {
        match self {
            Self::InvalidRequest | Self::FailedPrecondition | Self::ParameterUnknown => 400,
            Self::Authentication => 401,
            Self::PaymentRequired => 402,
            Self::PermissionDenied => 403,
            Self::NotFound | Self::ModelNotFound => 404,
            Self::AlreadyExists | Self::Aborted => 409,
            Self::OutOfRange => 416,
            Self::RateLimitExceeded | Self::TooManyRequests | Self::QuotaExceeded => 429,
            Self::Cancelled => 499,
            Self::ApiError => 500,
            Self::Unimplemented => 501,
            Self::ServiceUnavailable => 503,
            Self::DeadlineExceeded => 504,
        }
    }

    /// The code for an error the simulator words with an RPC status (`INVALID_ARGUMENT`, …)
    /// and no code of its own.
    pub fn from_rpc(status: &str) -> Self {
        match status {
            "FAILED_PRECONDITION" => Self::FailedPrecondition,
            "OUT_OF_RANGE" => Self::OutOfRange,
            "UNAUTHENTICATED" => Self::Authentication,
            "PERMISSION_DENIED" => Self::PermissionDenied,
            "NOT_FOUND" => Self::NotFound,
            "ALREADY_EXISTS" => Self::AlreadyExists,
            "ABORTED" => Self::Aborted,
            "RESOURCE_EXHAUSTED" => Self::RateLimitExceeded,
            "CANCELLED" => Self::Cancelled,
            "INTERNAL" | "UNKNOWN" | "DATA_LOSS" => Self::ApiError,
            "UNIMPLEMENTED" => Self::Unimplemented,
            "UNAVAILABLE" => Self::ServiceUnavailable,
            "DEADLINE_EXCEEDED" => Self::DeadlineExceeded,
            _ => Self::InvalidRequest,
        }
    }

    /// The RPC status generateContent answers the same refusal with (`payment_required`
    /// has no generateContent equivalent; its status here only labels the error).
    pub fn rpc_status(self) -> &'static str {
        match self {
            Self::InvalidRequest | Self::ParameterUnknown => "INVALID_ARGUMENT",
            Self::FailedPrecondition | Self::PaymentRequired => "FAILED_PRECONDITION",
            Self::OutOfRange => "OUT_OF_RANGE",
            Self::Authentication => "UNAUTHENTICATED",
            Self::PermissionDenied => "PERMISSION_DENIED",
            Self::NotFound | Self::ModelNotFound => "NOT_FOUND",
            Self::AlreadyExists => "ALREADY_EXISTS",
            Self::Aborted => "ABORTED",
            Self::RateLimitExceeded | Self::TooManyRequests | Self::QuotaExceeded => {
                "RESOURCE_EXHAUSTED"
            }
            Self::Cancelled => "CANCELLED",
            Self::ApiError => "INTERNAL",
            Self::Unimplemented => "UNIMPLEMENTED",
            Self::ServiceUnavailable => "UNAVAILABLE",
            Self::DeadlineExceeded => "DEADLINE_EXCEEDED",
        }
    }

    /// True when the service refuses with this code before any work starts, so even a
    /// background or streamed create answers it as an HTTP error; the others (`api_error`,
    /// `service_unavailable`, `deadline_exceeded`, `aborted`) happen while a run is under
    /// way and end a background run as `failed` with the code in `errors[]`.
    pub fn at_admission(self) -> bool {
        !matches!(
            self,
            Self::ApiError | Self::ServiceUnavailable | Self::DeadlineExceeded | Self::Aborted
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_carry_the_documented_status() {
        for code in ALL_CODES {
            assert_eq!(ApiCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ApiCode::PaymentRequired.http(), 402);
        assert_eq!(ApiCode::OutOfRange.http(), 416);
        assert_eq!(ApiCode::Cancelled.http(), 499);
        assert_eq!(ApiCode::parse("made_up"), None);
    }

    #[test]
    fn rpc_statuses_map_onto_codes() {
        assert_eq!(
            ApiCode::from_rpc("INVALID_ARGUMENT"),
            ApiCode::InvalidRequest
        );
        assert_eq!(
            ApiCode::from_rpc("RESOURCE_EXHAUSTED"),
            ApiCode::RateLimitExceeded
        );
        assert_eq!(ApiCode::from_rpc("INTERNAL"), ApiCode::ApiError);
        assert_eq!(
            ApiCode::from_rpc("UNAVAILABLE"),
            ApiCode::ServiceUnavailable
        );
        for code in ALL_CODES {
            if !matches!(
                code,
                ApiCode::ParameterUnknown
                    | ApiCode::PaymentRequired
                    | ApiCode::ModelNotFound
                    | ApiCode::TooManyRequests
                    | ApiCode::QuotaExceeded
            ) {
                assert_eq!(ApiCode::from_rpc(code.rpc_status()), code, "{code:?}");
            }
        }
    }
}
