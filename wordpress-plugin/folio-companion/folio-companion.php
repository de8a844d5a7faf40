<?php
/**
 * Plugin Name:       Folio Companion
 * Plugin URI:        https://github.com/folio-app/folio
 * Description:       Lets the Folio desktop app replace a photo's file in place (same attachment, same URL) and find the photos it uploaded.
 * Version:           1.0.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * Author:            Folio
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       folio-companion
 */

defined( 'ABSPATH' ) || exit;

define( 'FOLIO_COMPANION_VERSION', '1.0.0' );

require_once __DIR__ . '/includes/replace.php';
require_once __DIR__ . '/includes/after-replace.php';
require_once __DIR__ . '/includes/source.php';

add_action( 'init', 'folio_companion_register_meta' );
add_action( 'rest_api_init', 'folio_companion_register_routes' );

function folio_companion_register_routes() {
	register_rest_route(
		'folio/v1',
		'/info',
		array(
			'methods'             => 'GET',
			'callback'            => 'folio_companion_info',
			'permission_callback' => 'folio_companion_can_see_info',
		)
	);
	register_rest_route(
		'folio/v1',
		'/media/(?P<id>\d+)/file',
		array(
			'methods'             => 'POST',
			'callback'            => 'folio_companion_replace_file',
			'permission_callback' => 'folio_companion_can_replace',
			'args'                => array(
				'id' => array(
					'type'     => 'integer',
					'required' => true,
				),
			),
		)
	);
	register_rest_route(
		'folio/v1',
		'/media',
		array(
			'methods'             => 'GET',
			'callback'            => 'folio_companion_list_sources',
			'permission_callback' => function () {
				return current_user_can( 'upload_files' );
			},
			'args'                => array(
				'page'     => array(
					'type'    => 'integer',
					'default' => 1,
					'minimum' => 1,
				),
				'per_page' => array(
					'type'    => 'integer',
					'default' => 100,
					'minimum' => 1,
					'maximum' => 500,
				),
			),
		)
	);
}

/**
 * Only signed-in users learn that the plugin is here and what it can do. A request without
 * credentials learns one thing: whether an Authorization header reached PHP at all, so the app can
 * tell a host that strips it from a wrong password.
 */
function folio_companion_can_see_info() {
	if ( is_user_logged_in() ) {
		return true;
	}
	if ( ! folio_companion_authorization_seen() ) {
		return new WP_Error(
			'folio_authorization_missing',
			__( 'No Authorization header reached WordPress: the web server removes it before PHP sees it.', 'folio-companion' ),
			array( 'status' => 401 )
		);
	}
	return new WP_Error( 'rest_not_logged_in', __( 'You are not currently logged in.', 'folio-companion' ), array( 'status' => 401 ) );
}

/**
 * What the app needs to know about this site. Details only for a user who may upload.
 */
function folio_companion_info() {
	$info = array(
		'plugin_version'     => FOLIO_COMPANION_VERSION,
		'capabilities'       => array( 'replace', 'source_lookup' ),
		'authorization_seen' => folio_companion_authorization_seen(),
		'authenticated'      => is_user_logged_in(),
	);
	if ( current_user_can( 'upload_files' ) ) {
		$formats = array();
		foreach ( array( 'image/jpeg', 'image/png', 'image/webp', 'image/avif' ) as $mime ) {
			if ( wp_image_editor_supports( array( 'mime_type' => $mime ) ) ) {
				$formats[] = $mime;
			}
		}
		$info['max_upload_bytes'] = (int) wp_max_upload_size();
		$info['editor_formats']   = $formats;
		$info['upload_mimes']     = array_values( array_filter( get_allowed_mime_types(), function ( $m ) {
			return 0 === strpos( $m, 'image/' );
		} ) );
	}
	return rest_ensure_response( $info );
}

/**
 * Whether this request arrived with credentials at all. Some hosts (CGI/FastCGI without
 * the right rewrite rule) drop the Authorization header before PHP sees it.
 */
function folio_companion_authorization_seen() {
	return ! empty( $_SERVER['HTTP_AUTHORIZATION'] )
		|| ! empty( $_SERVER['REDIRECT_HTTP_AUTHORIZATION'] )
		|| ! empty( $_SERVER['PHP_AUTH_USER'] );
}

/**
 * 401/403 come before 404, so that nobody without upload rights can learn which ids exist.
 */
function folio_companion_can_replace( WP_REST_Request $request ) {
	$forbidden = new WP_Error(
		'rest_forbidden',
		__( 'This account may not change that media item. Connect Folio with an account that can edit it (Author, Editor or Administrator).', 'folio-companion' ),
		array( 'status' => rest_authorization_required_code() )
	);
	if ( ! current_user_can( 'upload_files' ) ) {
		return $forbidden;
	}
	$id   = (int) $request['id'];
	$post = get_post( $id );
	if ( ! $post || 'attachment' !== $post->post_type ) {
		return new WP_Error( 'rest_post_invalid_id', __( 'No such media item.', 'folio-companion' ), array( 'status' => 404 ) );
	}
	return current_user_can( 'edit_post', $id ) ? true : $forbidden;
}
