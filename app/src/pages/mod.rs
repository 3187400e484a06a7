pub mod choose_store;
pub mod customers;
pub mod home;
pub mod not_found;
pub mod orders;
pub mod products;
pub mod sign_in;
pub mod sign_in_required;
