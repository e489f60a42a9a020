//! Extractors that turn every malformed request into our JSON error instead of axum's plain-text rejections.

use crate::error::{ApiError, ErrorCode};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body. Unknown fields are refused by the request types themselves (`deny_unknown_fields`).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "send the body as JSON with 'Content-Type: application/json'",
        ),
        JsonRejection::JsonSyntaxError(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MalformedJson,
            format!("the body is not valid JSON: {}", inner(&e)),
        )
        .param("detail", inner(&e)),
        JsonRejection::JsonDataError(e) => {
            let text = inner(&e);
            let field = field_of(&text);
            let mut err = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidBody,
                format!("the body does not fit: {text}"),
            )
            .param("detail", &text);
            err.field = field;
            err
        }
        JsonRejection::BytesRejection(e) => {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::BodyTooLarge,
                    "the request body is larger than this server accepts",
                )
            } else {
                bad_request(format!("could not read the body: {e}"))
            }
        }
        other => bad_request(other.body_text()),
    }
}

/// 400 `bad_request`: a request axum could not read, with its words as the detail.
fn bad_request(detail: String) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::BadRequest,
        detail.clone(),
    )
    .param("detail", detail)
}

/// The innermost error text (serde's message with its position), without axum's prefix.
fn inner(e: &dyn std::error::Error) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// The field serde complained about: "unknown field `x`", "missing field `x`", or "path: ..." prefixes.
fn field_of(text: &str) -> Option<String> {
    for marker in ["unknown field `", "missing field `"] {
        if let Some(start) = text.find(marker) {
            let rest = &text[start + marker.len()..];
            return rest.find('`').map(|end| rest[..end].to_owned());
        }
    }
    text.split_once(": ")
        .map(|(path, _)| path.to_owned())
        .filter(|p| !p.contains(' ') && !p.is_empty())
}

/// Query parameters, with bad ones reported as `invalid_query` naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let text = inner(&e);
                let mut err = ApiError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::InvalidQuery,
                    format!("bad query parameter: {text}"),
                )
                .param("detail", &text);
                err.field = field_of(&text);
                Err(err)
            }
            Err(other) => Err(bad_request(other.body_text())),
        }
    }
}

/// Path parameters, with one that does not parse (`/tasks/abc`, an id past i64) reported as `invalid_path`
/// in our JSON error instead of axum's plain-text rejection.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidPath,
                format!("bad path parameter: {}", e.body_text()),
            )
            .param("detail", e.body_text())),
            Err(other) => Err(bad_request(other.body_text())),
        }
    }
}

/// `page`/`page_size` as every list takes them. Page sizes are capped at [`MAX_PAGE_SIZE`].
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Pagination {
    /// 1-based page number (default 1).
    pub page: Option<u64>,
    /// Rows per page (default 20, at most 500).
    pub page_size: Option<u64>,
}

/// Largest page a list returns.
pub const MAX_PAGE_SIZE: u64 = 500;

impl Pagination {
    /// Validated page request.
    pub fn request(&self) -> Result<kubedeck_store::PageRequest, ApiError> {
        let page = self.page.unwrap_or(1);
        let page_size = self.page_size.unwrap_or(20);
        if page == 0 {
            return Err(ApiError::out_of_range("page", Some(1), None));
        }
        if page_size == 0 || page_size > MAX_PAGE_SIZE {
            return Err(ApiError::out_of_range(
                "page_size",
                Some(1),
                Some(MAX_PAGE_SIZE as i64),
            ));
        }
        // The first row of the page must be a row number a database offset (i64) can hold; past that
        // `(page - 1) * page_size` overflowed (a panic in debug builds, a wrong page in release).
        if (page - 1)
            .checked_mul(page_size)
            .is_none_or(|offset| offset > i64::MAX as u64 - page_size)
        {
            return Err(ApiError::invalid(
                "page",
                ErrorCode::PagePastEnd,
                "page is past any list's last row",
            ));
        }
        Ok(kubedeck_store::PageRequest { page, page_size })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(
            field_of(
                "unknown field `passwd`, expected `username` or `password` at line 1 column 9"
            )
            .as_deref(),
            Some("passwd")
        );
        assert_eq!(
            field_of("missing field `password` at line 1 column 20").as_deref(),
            Some("password")
        );
        assert_eq!(
            field_of("page_size: invalid digit found in string").as_deref(),
            Some("page_size")
        );
    }

    #[test]
    fn page_sizes_are_capped() {
        assert!(
            Pagination {
                page: Some(1),
                page_size: Some(501)
            }
            .request()
            .is_err()
        );
        assert!(
            Pagination {
                page: Some(0),
                page_size: None
            }
            .request()
            .is_err()
        );
        assert!(
            Pagination {
                page: Some(u64::MAX),
                page_size: Some(500)
            }
            .request()
            .is_err()
        );
        assert!(
            Pagination {
                page: Some(9_223_372_036_854_775_808),
                page_size: Some(1)
            }
            .request()
            .is_err()
        );
        assert_eq!(
            Pagination {
                page: None,
                page_size: None
            }
            .request()
            .unwrap()
            .page_size,
            20
        );
    }
}

/// The TCP peer of the request, when the server was started with connect info.
pub struct PeerAddr(pub Option<std::net::SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}
