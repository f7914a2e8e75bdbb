package io.github.llmquota.estimate;

import java.util.Locale;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Exact token counts for OpenAI models, using jtokkit's copies of OpenAI's encodings.
 * Only loaded when jtokkit is on the classpath: nothing else may refer to jtokkit's
 * types.
 */
final class JtokkitTokenCounters {

	/** The GPT-4 and GPT-3.5 generation; Azure spells GPT-3.5 "gpt-35". */
	private static final String[] CL100K_PREFIXES = { "gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3",
			"text-embedding-ada-002" };

	/** Names that start like a cl100k model but belong to the o200k generation. */
	private static final String[] O200K_PREFIXES = { "gpt-4o", "gpt-4.1", "gpt-4.5" };

	// Lazy, because each encoding takes megabytes and most applications use only one
	private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();

	TokenCounter forOpenAiModel(String model) {
		Encoding encoding = this.registry.getEncoding(encodingFor(model));
		// Ordinary: text that happens to contain "<|endoftext|>" is prompt text, not a
		// special token, and must not make counting throw
		return encoding::countTokensOrdinary;
	}

	/**
	 * Every OpenAI model from gpt-4o on (gpt-4.1, gpt-5, the o-series) uses o200k_base,
	 * so it is also the choice for names we don't recognise, such as Azure deployment
	 * names.
	 */
	static EncodingType encodingFor(String model) {
		String name = model.toLowerCase(Locale.ROOT);
		if (name.startsWith("ft:")) {
			name = name.substring(3);
		}
		if (startsWithAny(name, O200K_PREFIXES)) {
			return EncodingType.O200K_BASE;
		}
		if (startsWithAny(name, CL100K_PREFIXES)) {
			return EncodingType.CL100K_BASE;
		}
		return EncodingType.O200K_BASE;
	}

	private static boolean startsWithAny(String name, String[] prefixes) {
		for (String prefix : prefixes) {
			if (name.startsWith(prefix)) {
				return true;
			}
		}
		return false;
	}

}
