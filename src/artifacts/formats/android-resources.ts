/**
 * Identifiers of Android's compiled resources that more than one format reads: the `Res_value` data
 * types of resources.arsc and binary XML, and the framework's `android:` attributes, which binary
 * XML and aapt2's proto XML both know by resource id.
 */

/** `Res_value.dataType`: a resource id (`@string/...`). */
export const TYPE_REFERENCE = 0x01;
/** `Res_value.dataType`: an index into the string pool. */
export const TYPE_STRING = 0x03;
/** `Res_value.dataType`: a resource id of a shared library, its package id assigned at run time. */
export const TYPE_DYNAMIC_REFERENCE = 0x07;

export const ANDROID_NAMESPACE = 'http://schemas.android.com/apk/res/android';
/** `android:name` and `android:value` by framework resource id. */
export const ATTR_NAME = 0x01010003;
export const ATTR_VALUE = 0x01010024;
