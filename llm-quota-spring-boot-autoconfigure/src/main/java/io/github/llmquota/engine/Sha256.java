package io.github.llmquota.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Short SHA-256 digests of text, for names that go into Redis keys and arguments (a
 * user's key, a pool config's digest) where the text itself must not.
 */
public final class Sha256 {

	private static final HexFormat HEX = HexFormat.of();

	private Sha256() {
	}

	/**
	 * Return the first bytes of the SHA-256 of a text's UTF-8 form, in lower-case hex.
	 * @param text the text
	 * @param bytes how many leading bytes of the digest to keep, 1 to 32
	 * @return {@code 2 * bytes} hex digits
	 */
	public static String hex(String text, int bytes) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
			return HEX.formatHex(digest, 0, bytes);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required of every JVM", ex);
		}
	}

}
