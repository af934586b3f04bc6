//! `?page=1&page_size=20` → `{"items": [...], "total": N, "page": 1, "page_size": 20}`.

use poem_openapi::Object;
use poem_openapi::types::{ParseFromJSON, ToJSON, Type};

use crate::error::{ApiError, ApiResult};

pub const MAX_PAGE_SIZE: u64 = 100;

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
