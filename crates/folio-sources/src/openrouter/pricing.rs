//! What a call will cost, before it is made. OpenRouter has no estimate endpoint, so it is
//! worked out from the model's price lines: per request, per output image, per token. Image
//! models priced by image token (Gemini's `image_output` of $0.00003 is $30 per million tokens,
//! not per image) are told apart by the size of that price: no image sells for under a tenth
//! of a cent, and a token never costs that much.

use super::wire::Model;

/// Below this, an output-image price is per image token.
const PER_TOKEN_BELOW: f64 = 0.001;

/// Image tokens in one generated image (about 1,290 for a 1024×1024 Gemini image).
pub const TOKENS_PER_IMAGE: f64 = 1290.0;

/// Tokens the model writes describing a photo: about 125 characters of alt text and a title.
const DESCRIPTION_TOKENS: f64 = 120.0;

/// Tokens in a text, roughly (four characters each), plus the message's own framing.
pub fn text_tokens(text: &str) -> f64 {
    (text.chars().count() as f64 / 4.0).ceil() + 8.0
}

/// Tokens an input image of `width`×`height` costs (Anthropic's published w·h/750, close
/// enough for the others).
pub fn image_tokens(width: u32, height: u32) -> f64 {
    (f64::from(width) * f64::from(height) / 750.0).ceil()
}

/// USD for one output image of `model`, as `folio models` lists it.
pub fn per_image(model: &Model) -> f64 {
    let image = if model.image_output >= PER_TOKEN_BELOW {
        model.image_output
    } else if model.image_output > 0.0 {
        model.image_output * TOKENS_PER_IMAGE
    } else {
        // Priced by completion token only.
        model.completion * TOKENS_PER_IMAGE
    };
    model.request + image
}

/// USD for an input image of this size.
fn input_image(model: &Model, width: u32, height: u32) -> f64 {
    if model.image_input > 0.0 {
        model.image_input
    } else {
        image_tokens(width, height) * model.prompt
    }
}

/// USD for generating one image from `prompt`, with a reference image of this size if any.
pub fn generation(model: &Model, prompt: &str, reference: Option<(u32, u32)>) -> f64 {
    let reference = reference.map_or(0.0, |(w, h)| input_image(model, w, h));
    per_image(model) + text_tokens(prompt) * model.prompt + reference
}

/// USD for describing one photo of `width`×`height` with an instruction of `instruction`.
pub fn description(model: &Model, instruction: &str, width: u32, height: u32) -> f64 {
    model.request
        + input_image(model, width, height)
        + text_tokens(instruction) * model.prompt
        + DESCRIPTION_TOKENS * model.completion
}

/// USD in words: cents to a tenth for small sums.
pub fn dollars(usd: f64) -> String {
    if usd < 0.1 {
        format!("${usd:.4}")
    } else {
        format!("${usd:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(image_output: f64, completion: f64) -> Model {
        Model {
            id: "m".into(),
            name: "M".into(),
            input: vec!["text".into()],
            output: vec!["image".into()],
            prompt: 0.000_000_3,
            completion,
            request: 0.0,
            image_input: 0.0,
            image_output,
        }
    }

    #[test]
    fn a_per_image_price_is_taken_as_it_is_and_a_per_token_one_is_multiplied_out() {
        assert_eq!(per_image(&model(0.03, 0.0)), 0.03);
        // Gemini 2.5 Flash Image: $30 per million image tokens ≈ $0.039 an image.
        let gemini = per_image(&model(0.000_03, 0.000_002_5));
        assert!((gemini - 0.0387).abs() < 1e-9, "{gemini}");
        assert!((per_image(&model(0.0, 0.000_01)) - 0.0129).abs() < 1e-9);
    }

    #[test]
    fn a_reference_image_and_a_long_prompt_cost_more() {
        let m = model(0.03, 0.0);
        let plain = generation(&m, "a fox", None);
        let long = generation(&m, &"a fox in the snow ".repeat(50), None);
        let with_reference = generation(&m, "a fox", Some((1568, 1045)));
        assert!(plain < long && plain < with_reference);
        assert!((with_reference - plain - 2185.0 * 0.000_000_3).abs() < 1e-12);
    }

    #[test]
    fn sums_read_as_dollars() {
        assert_eq!(dollars(0.0387), "$0.0387");
        assert_eq!(dollars(1.5), "$1.50");
    }
}
