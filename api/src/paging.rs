//! `?page=1&page_size=20` → `{"items": [...], "total": N, "page": 1, "page_size": 20}`.

use poem_openapi::Object;
use poem_openapi::types::{ParseFromJSON, ToJSON, Type};

use crate::error::{ApiError, ApiResult};

pub const MAX_PAGE_SIZE: u64 = 100;
/// Far past any list a clerk pages through, and small enough that the row offset
/// (page × page size) never overflows: the routes declare both bounds.
pub const MAX_PAGE: u64 = 1_000_000;

/// Validated paging parameters.
#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    pub page: u64,
    pub page_size: u64,
}

impl PageRequest {
    pub fn new(page: Option<u64>, page_size: Option<u64>) -> ApiResult<Self> {
        let page = page.unwrap_or(1);
        let page_size = page_size.unwrap_or(20);
        if page == 0 {
            return Err(ApiError::validation("page（页码）应从1开始"));
        }
        if page > MAX_PAGE {
            return Err(ApiError::validation(format!(
                "page（页码）不能大于{MAX_PAGE}"
            )));
        }
        if page_size == 0 || page_size > MAX_PAGE_SIZE {
            return Err(ApiError::validation(format!(
                "page_size（每页条数）应为1至{MAX_PAGE_SIZE}"
            )));
        }
        Ok(Self { page, page_size })
    }
}

/// One page of a list.
#[derive(Debug, Object)]
pub struct Page<T: Type + ParseFromJSON + ToJSON> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

impl<T: Type + ParseFromJSON + ToJSON> Page<T> {
    pub fn new(items: Vec<T>, total: u64, req: PageRequest) -> Self {
        Self {
            items,
            total,
            page: req.page,
            page_size: req.page_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_bounded_so_the_offset_cannot_overflow() {
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(MAX_PAGE + 1), None).is_err());
        assert!(PageRequest::new(Some(u64::MAX), Some(MAX_PAGE_SIZE)).is_err());
        assert!(PageRequest::new(None, Some(MAX_PAGE_SIZE + 1)).is_err());
        let last = PageRequest::new(Some(MAX_PAGE), Some(MAX_PAGE_SIZE)).expect("in bounds");
        assert!(
            last.page
                .checked_mul(last.page_size)
                .is_some_and(|o| o < i64::MAX as u64)
        );
    }
}
