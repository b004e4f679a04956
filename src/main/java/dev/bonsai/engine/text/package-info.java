/** Tokenizing: the base models' tokenizers, how a text's tokens change, and length-bucketed batches. */
package dev.bonsai.engine.text;
