<?php
// The sample PHP page: served by php-cgi through w3pool's FastCgiModule (docs/php.md).
header('Content-Type: text/plain; charset=utf-8');
echo "Hello from PHP " . PHP_VERSION . "\n";
echo "SCRIPT_NAME=" . $_SERVER['SCRIPT_NAME'] . "\n";
echo "APP_POOL_ID=" . ($_SERVER['APP_POOL_ID'] ?? '') . "\n";
echo "name=" . htmlspecialchars($_GET['name'] ?? 'world') . "\n";
