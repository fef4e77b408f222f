//! The ServiceNow layer's one error before anything is sent: a call refused for its
//! arguments (or the server's scope), with text that tells the model what to change.
//! Everything after a request is sent is a `CallOutcome`.

/// A problem with the tool arguments; the text tells the model what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArgumentError(pub String);

impl From<String> for ArgumentError {
    fn from(message: String) -> Self {
        ArgumentError(message)
    }
}

impl From<&str> for ArgumentError {
    fn from(message: &str) -> Self {
        ArgumentError(message.to_string())
    }
}

impl From<ArgumentError> for String {
    fn from(error: ArgumentError) -> Self {
        error.0
    }
}

/// The message itself, as text (what a caller shows or searches).
impl std::ops::Deref for ArgumentError {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}
