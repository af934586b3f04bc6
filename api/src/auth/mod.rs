//! Authentication: password hashing, bearer tokens, and the three security schemes
//! (admin, member, merchant). A token of one kind is refused on the others' routes.

pub mod password;
pub mod schemes;
pub mod token;

pub use schemes::{
    AdminAuth, AdminPrincipal, MemberAuth, MerchantAuth, SessionPrincipal, StaffPrincipal,
};
