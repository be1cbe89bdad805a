//! Reads the manifest formats publishers already have into
//! [`domain::manifest::Manifest`].
