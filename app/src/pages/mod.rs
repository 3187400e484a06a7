pub mod choose_store;
pub mod home;
pub mod not_found;
pub mod sign_in;
