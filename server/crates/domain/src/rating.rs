//! Ratings and reviews a tenant writes about an installed agent.

/// The longest review kept.
pub const REVIEW_MAX: usize = 2000;

/// A rating as submitted, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRating {
    /// 1 to 5 stars.
    pub stars: u8,
    /// May be empty: a rating without words is still a rating.
    pub review: String,
}

impl NewRating {
    /// Validates raw form input; every problem is named by its field.
    pub fn parse(stars: &str, review: &str) -> Result<NewRating, Vec<(String, String)>> {
        let mut errs = Vec::new();
        let stars = match stars.trim().parse::<u8>() {
            Ok(n) if (1..=5).contains(&n) => n,
            _ => {
                errs.push(("rating".to_owned(), "Choose 1 to 5 stars.".to_owned()));
                0
            }
        };
        let review = review.trim();
        if review.chars().count() > REVIEW_MAX {
            errs.push((
                "review".to_owned(),
                format!("Keep the review under {REVIEW_MAX} characters."),
            ));
        }
        if errs.is_empty() {
            Ok(NewRating {
                stars,
                review: review.to_owned(),
            })
        } else {
            Err(errs)
        }
    }
}

/// The average of some ratings, to one decimal, and their count.
pub fn average(stars: &[u8]) -> Option<(f32, usize)> {
    if stars.is_empty() {
        return None;
    }
    let sum: u32 = stars.iter().map(|s| u32::from(*s)).sum();
    let avg = sum as f32 / stars.len() as f32;
    Some(((avg * 10.0).round() / 10.0, stars.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_one_to_five_with_an_optional_bounded_review() {
        let table: &[(&str, &str, Option<&str>)] = &[
            ("5", "  Works well.  ", None),
            ("1", "", None),
            ("0", "", Some("rating")),
            ("6", "", Some("rating")),
            ("", "", Some("rating")),
            ("three", "", Some("rating")),
            ("4", &"x".repeat(REVIEW_MAX + 1), Some("review")),
        ];
        for (stars, review, bad) in table {
            match (NewRating::parse(stars, review), bad) {
                (Ok(r), None) => {
                    assert_eq!(r.stars.to_string(), stars.trim());
                    assert_eq!(r.review, review.trim());
                }
                (Err(e), Some(f)) => assert_eq!(e[0].0, *f, "{stars:?}"),
                (r, b) => panic!("{stars:?} {review:?}: {r:?}, expected {b:?}"),
            }
        }
    }

    #[test]
    fn the_average_rounds_to_one_decimal() {
        assert_eq!(average(&[]), None);
        assert_eq!(average(&[5]), Some((5.0, 1)));
        assert_eq!(average(&[4, 5, 5]), Some((4.7, 3)));
        assert_eq!(average(&[1, 2]), Some((1.5, 2)));
    }
}
