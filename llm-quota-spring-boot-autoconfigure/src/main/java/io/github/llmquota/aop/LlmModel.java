package io.github.llmquota.aop;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the {@code String} parameter of an {@link LlmRateLimited} method that receives
 * the model the call was admitted for. Whatever the caller passes is replaced, so that
 * the call goes to the model whose quota it holds: the annotated model, or the one an
 * {@link LlmFallbackHandler} chose. At most one parameter of a method may carry it; it is
 * never counted as prompt text.
 */
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface LlmModel {

}
