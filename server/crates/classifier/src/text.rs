//! Words out of identifiers and prose: the classifier matches rules on words,
//! never on raw substrings (`delete` must not match inside `undeleted`).

/// A word or a list separator of a sentence (commas, colons, dashes and
/// slashes separate the items of "create, update, or delete").
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Word(String),
    Sep,
}

impl Tok {
    pub(crate) fn word(&self) -> Option<&str> {
        match self {
            Tok::Word(w) => Some(w),
            Tok::Sep => None,
        }
    }
}

/// Lower-case words of an identifier or a text: splits on every character
/// that is not a letter or a digit, and at camelCase boundaries
/// (`createPullRequest` → create, pull, request; `getHTTPHeaders` → get,
/// http, headers). A possessive `'s` is dropped.
pub(crate) fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in s.split(|c: char| !c.is_alphanumeric()) {
        split_camel(part, &mut out);
    }
    out.retain(|w| w != "s");
    out
}

fn split_camel(part: &str, out: &mut Vec<String>) {
    if part.is_empty() {
        return;
    }
    let chars: Vec<char> = part.chars().collect();
    let mut start = 0;
    for i in 1..chars.len() {
        let (p, c) = (chars[i - 1], chars[i]);
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let boundary = (p.is_lowercase() && c.is_uppercase())
            || (p.is_uppercase() && c.is_uppercase() && next_lower)
            || (p.is_ascii_digit() && c.is_uppercase());
        if boundary {
            out.push(chars[start..i].iter().collect::<String>().to_lowercase());
            start = i;
        }
    }
    out.push(chars[start..].iter().collect::<String>().to_lowercase());
}

/// An identifier with its separators removed, lower-case: `file_path`,
/// `filePath` and `file-path` are all `filepath`.
pub(crate) fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The sentences of a description, each as words and separators. A sentence
/// ends at `.`, `!`, `?` or `;` followed by white space (not after a number,
/// so "1. Retrieves" is not cut, nor after a one-letter word, so "e.g. x" is
/// not), and at a blank line. Empty sentences are skipped.
pub(crate) fn sentences(text: &str) -> Vec<Vec<Tok>> {
    first_sentences(text, usize::MAX)
}

/// The first `max` sentences of a description (see [`sentences`]); the rest
/// of the text is not read.
pub(crate) fn first_sentences(text: &str, max: usize) -> Vec<Vec<Tok>> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() && out.len() < max {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let ends = match c {
            '.' | '!' | '?' | ';' => {
                next.is_none_or(char::is_whitespace) && !after_number_or_letter(&current)
            }
            '\n' => {
                // A blank line ends a paragraph.
                let mut j = i + 1;
                while j < chars.len() && chars[j] != '\n' && chars[j].is_whitespace() {
                    j += 1;
                }
                j < chars.len() && chars[j] == '\n'
            }
            _ => false,
        };
        if ends {
            push_sentence(&mut out, &current);
            current.clear();
        } else {
            current.push(c);
        }
        i += 1;
    }
    if out.len() < max {
        push_sentence(&mut out, &current);
    }
    out
}

fn after_number_or_letter(current: &str) -> bool {
    let last: String = current
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric())
        .collect();
    !last.is_empty() && (last.chars().all(|c| c.is_ascii_digit()) || last.chars().count() == 1)
}

fn push_sentence(out: &mut Vec<Vec<Tok>>, s: &str) {
    let toks = tokens(s);
    if toks.iter().any(|t| matches!(t, Tok::Word(_))) {
        out.push(toks);
    }
}

/// Words and list separators of one sentence.
pub(crate) fn tokens(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Tok>| {
        if !word.is_empty() {
            for w in words(word) {
                out.push(Tok::Word(w));
            }
            word.clear();
        }
    };
    for c in s.chars() {
        if c.is_alphanumeric() || c == '_' || c == '\'' || c == '\u{2019}' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            if matches!(
                c,
                ',' | ':' | '/' | '(' | ')' | '|' | '-' | '\u{2013}' | '\u{2014}'
            ) && out.last() != Some(&Tok::Sep)
            {
                out.push(Tok::Sep);
            }
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Whether `phrase` (words) occurs in `hay` starting at `at`.
pub(crate) fn phrase_at(hay: &[String], at: usize, phrase: &[String]) -> bool {
    !phrase.is_empty() && at + phrase.len() <= hay.len() && hay[at..at + phrase.len()] == *phrase
}

/// Every start index of `phrase` in `hay`.
pub(crate) fn find_phrase(hay: &[String], phrase: &[String]) -> Vec<usize> {
    if phrase.is_empty() || phrase.len() > hay.len() {
        return Vec::new();
    }
    (0..=hay.len() - phrase.len())
        .filter(|&i| phrase_at(hay, i, phrase))
        .collect()
}

/// The plural a label uses for an object noun: `repository` → `repositories`.
pub(crate) fn plural(noun: &str) -> String {
    if noun.ends_with("ss") {
        return format!("{noun}es");
    }
    if noun.ends_with('s') || noun.ends_with("data") || noun.ends_with("info") {
        return noun.to_string();
    }
    if let Some(stem) = noun.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if noun.ends_with("sh") || noun.ends_with("ch") || noun.ends_with('x') {
        return format!("{noun}es");
    }
    format!("{noun}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        words(s)
    }

    #[test]
    fn splits_identifiers() {
        assert_eq!(w("delete_file"), ["delete", "file"]);
        assert_eq!(w("createPullRequest"), ["create", "pull", "request"]);
        assert_eq!(
            w("apps-get-deployment-status"),
            ["apps", "get", "deployment", "status"]
        );
        assert_eq!(
            w("gmail.users.messages.send"),
            ["gmail", "users", "messages", "send"]
        );
        assert_eq!(w("getHTTPHeaders"), ["get", "http", "headers"]);
        assert_eq!(w("API-get-user"), ["api", "get", "user"]);
        assert_eq!(
            w("DeleteCustomersCustomer"),
            ["delete", "customers", "customer"]
        );
        assert_eq!(w("the user's Gmail"), ["the", "user", "gmail"]);
        assert_eq!(w("User.ReadWrite.All"), ["user", "read", "write", "all"]);
        assert!(w("").is_empty());
    }

    #[test]
    fn squashes_field_names() {
        assert_eq!(squash("file_path"), "filepath");
        assert_eq!(squash("filePath"), "filepath");
        assert_eq!(squash("API-Key"), "apikey");
    }

    #[test]
    fn cuts_sentences_but_not_list_numbers_or_abbreviations() {
        let s = sentences("Purpose:\n  1. Retrieves things. Then, e.g. more; done\n\nNext one");
        let text: Vec<Vec<&str>> = s
            .iter()
            .map(|t| t.iter().filter_map(Tok::word).collect())
            .collect();
        assert_eq!(
            text,
            vec![
                vec!["purpose", "1", "retrieves", "things"],
                vec!["then", "e", "g", "more"],
                vec!["done"],
                vec!["next", "one"],
            ]
        );
        let toks = tokens("create, update, or delete");
        assert_eq!(toks[1], Tok::Sep);
    }

    #[test]
    fn plurals() {
        assert_eq!(plural("repository"), "repositories");
        assert_eq!(plural("file"), "files");
        assert_eq!(plural("branch"), "branches");
        assert_eq!(plural("key"), "keys");
        assert_eq!(plural("records"), "records");
        assert_eq!(plural("process"), "processes");
    }
}
