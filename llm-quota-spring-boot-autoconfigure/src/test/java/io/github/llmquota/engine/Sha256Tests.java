package io.github.llmquota.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Sha256Tests {

	@Test
	void keepsTheLeadingBytesOfTheStandardDigestInLowerCaseHex() {
		// FIPS 180-2's test vector: SHA-256("abc") = ba7816bf 8f01cfea 414140de ...
		assertThat(Sha256.hex("abc", 8)).isEqualTo("ba7816bf8f01cfea");
		assertThat(Sha256.hex("abc", 16)).isEqualTo("ba7816bf8f01cfea414140de5dae2223");
	}

}
